"""Fetch, build, start and stop the pipeline's local infrastructure, without Docker.

``kafka`` runs a single-node Apache Kafka broker (KRaft), ``ferretdb`` a FerretDB store on SQLite;
``cli`` adds ``pso up``, ``pso down`` and ``pso status``.
"""
