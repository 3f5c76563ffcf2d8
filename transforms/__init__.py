"""One module per transform; see transforms.registry for the order they run in."""
