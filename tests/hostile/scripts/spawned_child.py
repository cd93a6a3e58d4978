"""A spawn-context child (a fresh interpreter) that writes outside and trains fully."""
import multiprocessing
import os

from tensorflow import keras  # noqa: F401  (the prefilter looks for Keras)


def child(target):
    from _model import model_and_data

    try:
        open(os.path.join(target, "child-wrote.txt"), "w").write("x")
    except OSError:
        pass
    model, x, y = model_and_data()
    model.fit(x, y, epochs=1, verbose=0)
    open(os.path.join(target, "child-trained.txt"), "w").write("trained")


if __name__ == "__main__":
    from _model import model_and_data

    process = multiprocessing.get_context("spawn").Process(
        target=child, args=(os.environ["LOSSGUARD_HOSTILE_TARGET"],)
    )
    process.start()
    process.join(120)
    model, x, y = model_and_data()
    model.fit(x, y, epochs=1)
