"""The faces users meet: the command line, its configuration file, the fix face; the language
server and the IPython extension. Nothing imports the face."""
