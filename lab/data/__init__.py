"""Dataset readers (MNIST, UNIPEN, DigiLeTs), generated non-digits and stroke-level augmentation."""
