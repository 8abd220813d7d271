"""AutoGraph: converts Python control flow on tensors into graph control flow.

Only ``optional_ops`` is imported at ``import tensorflux`` (it registers ops); the
converter (``ast``/``inspect``) loads on the first conversion.
"""
