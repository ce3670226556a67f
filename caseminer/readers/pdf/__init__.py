"""PDF input through pypdfium2: characters to words (`words`), words to lines and blocks in reading
order (`layout`), tables as rows (`tables`), running headers/footers and other page furniture
(`boilerplate`), the text with page starts (`compose`), and the reader with its
limits (`reader`)."""
