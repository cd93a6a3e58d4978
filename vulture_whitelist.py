"""Names vulture (``.ci/run``) cannot see used, each with the reason. Not imported by anything.

Add a name here only when it is used in a way static analysis misses; dead code is removed.
"""

# ruff: noqa: B018, F821
_ = object()

# Enum members chosen from the command line by value (--probe-device cpu).
cpu

# HarnessResult keys (probe/protocol.py): written by the child as dict keys, read as strings.
stage
compile_line
losses_by_name
trailing_op
row_sum_error
labels_synthetic
labels_classes_known
metrics_written
metrics_resolved
step_error

# Read by Keras, IPython or the user's script on the objects the probe hands them.
_.run_eagerly  # set on the user's model: Keras reads it
_.getoutput  # get_ipython().getoutput(...) in the script: the sandbox's stand-in
_.class_indices  # the synthetic flow_from_directory iterator: scripts read these
_.filenames
_.image_shape
_.reset  # Keras resets a Sequence-like iterator between epochs

# Called by Python or IPython by name: a package's lazy attributes (PEP 562), the extension
# hooks of %load_ext, rich display; functools' convention for the wrapped function.
__getattr__
__dir__
load_ipython_extension
unload_ipython_extension
_._repr_html_
_.__wrapped__

# Called from the command line of a spawned child (probe/children.py's _PREFIX string).
contain

# The public API (lossguard.check(...).ok): for users, not for lossguard itself.
_.ok

# The rule docs' API used by the tests and the scaffold (tests/rules, scripts/new_rule.py).
_.examples

# Dead, owned by others and reported in issue 23 (remove with their owner, then here):
loss_error  # facts.RuntimeObservation: set by probe/translate.py, read by no rule
model_name  # facts.TrainingSetup: set by static/extract.py and probe/translate.py, read by nothing
containment  # probe/process.py: the containment level, asked by nothing
