"""keras.losses"""
