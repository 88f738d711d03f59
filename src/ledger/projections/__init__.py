"""Read models: pure folds over the events plus adapters that persist them with tracking."""
