"""The host profiler behind ``tf.profiler.experimental`` (op timeline, xplane/Chrome trace).

``trace`` holds the recorder and ``Trace`` (cheap to import, no NumPy/protobuf),
``hooks`` the eager/graph op hooks, ``session`` start/stop, ``export`` the file
writers and ``summary`` the top-ops table (``python -m tensorflux.profiler``).
"""
