"""Image synthesis as a library: text-to-image with diffusers, pixel noise, augmentation,
ImageFolder archives."""
