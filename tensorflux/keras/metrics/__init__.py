"""keras.metrics"""
