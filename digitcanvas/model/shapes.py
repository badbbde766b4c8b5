"""What a digit model takes and gives: one 28×28 image, ten scores. No Qt.

MNIST's shape, which every model DigitCanvas reads was trained on; the preprocessing
(:mod:`digitcanvas.reading.preprocessing`) makes inputs of it, the classifier checks models against it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FIELD = 28  # MNIST images are 28×28
NUM_CLASSES = 10  # the digits 0-9

Image28 = NDArray[np.float32]  # shape (28, 28), float32, 0 = paper, 1 = ink
Images28 = NDArray[np.float32]  # shape (N, 28, 28): network inputs, one after another
