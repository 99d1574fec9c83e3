"""labkit: the local lab behind ``lab/labctl.py``.

Modules (standard library only, except ``demo``):

* ``settings`` - where things live (state dir, ports, names) and the secrets.
* ``procs`` - start/stop processes by PID file, readiness polling.
* ``install`` - Debian packages and the lab's two virtualenvs.
* ``configs`` - the services' configuration files.
* ``rest`` - a tiny Keystone-authenticated HTTP client.
* ``services`` - the services, their order and their readiness checks.
* ``provision`` - identities, catalog, images and flavor.
* ``lab`` - ``up``, ``down``, ``status``.
* ``demo`` - the Ironic-beside-Nova walk-through (needs openstacksdk).
"""
