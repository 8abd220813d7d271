"""keras.optimizers"""
