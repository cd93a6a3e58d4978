"""Reading files as Python reads them: one guarded reader, notebooks, IPython's input syntax."""
