"""Writes test/fixtures/keras/: .keras files saved by Keras 3 itself, with Keras's own outputs.

Each NAME.keras is `model.save()` of a Sequential model with seeded random weights (every
bias and gate exercised); NAME.json holds the input (batch 1, [steps, features]), Keras's
`predict` output, and the Keras version and backend that made them.

Run (Keras 3 with any backend, e.g. JAX):  KERAS_BACKEND=jax python3 scripts/keras-fixtures.py
"""
import json
import os
import sys

import numpy as np
import keras
from keras import layers

STEPS = 6
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'keras')


def models():
    bi = layers.Bidirectional
    yield 'lstm-dense', 3, [layers.LSTM(4, return_sequences=True), layers.Dense(2)]
    yield 'gru-reset-before-then-after', 2, [layers.GRU(3, reset_after=False, return_sequences=True), layers.GRU(3, return_sequences=True)]
    # Keras 3 refuses go_backwards inside Bidirectional (its two copies must differ in it).
    yield 'lstm-backwards-then-bilstm-sum-last-nobias', 3, [layers.LSTM(3, go_backwards=True, return_sequences=True), bi(layers.LSTM(3), merge_mode='sum'), layers.Dense(2, use_bias=False)]
    yield 'rnn-relu-nobias-then-bigru', 2, [layers.SimpleRNN(3, activation='relu', use_bias=False, return_sequences=True), bi(layers.GRU(2, return_sequences=True))]
    yield 'gru-linear-then-bigru-linear-mul', 3, [layers.GRU(3, activation='linear', return_sequences=True), bi(layers.GRU(2, activation='linear', return_sequences=True), merge_mode='mul')]
    yield 'lstm-hard-sigmoid-backwards-bi-ave-last', 2, [layers.LSTM(3, recurrent_activation='hard_sigmoid', go_backwards=True, return_sequences=True), bi(layers.SimpleRNN(2), merge_mode='ave'), layers.Dense(1)]


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261202)
    for name, features, stack in models():
        model = keras.Sequential([keras.Input((STEPS, features)), *stack])
        model.set_weights([rng.normal(scale=0.6, size=w.shape).astype('float32') for w in model.get_weights()])
        x = rng.normal(scale=1.0, size=(1, STEPS, features)).astype('float32')
        y = model.predict(x, verbose=0)
        model.save(os.path.join(OUT, f'{name}.keras'))
        with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
            json.dump({'keras': keras.__version__, 'backend': keras.backend.backend(), 'input': x[0].tolist(), 'output': y.reshape(-1).tolist(), 'outputShape': list(y.shape)}, f)
        print(name, y.shape, file=sys.stderr)


if __name__ == '__main__':
    main()
