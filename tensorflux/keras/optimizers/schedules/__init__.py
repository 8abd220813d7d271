"""keras.optimizers/schedules"""
