"""Facts read from the objects of a running kernel (``%lossguard live on``): the third fact
source. The model, the loss and metric objects and the label arrays already exist there; they
are read at ``compile()``/``fit()`` with the probe's own readers (``probe/observe.py``,
``probe/translate.py``), without a child process, without training and without changing them.
"""
