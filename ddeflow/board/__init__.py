"""``ddeflow board``: one live row per fixture from the derived topics, and a footer on the pipeline.

``model`` folds derived records into rows and ``render`` draws them (both pure); ``pipeline``
turns offsets and delays into the footer's figures (pure); ``command`` is the I/O shell.
"""
