"""Plugins that only the local lab uses.

They are installed into the lab's "cloud" virtualenv (Nova, Neutron, ...)
and never into Ironic's or a conductor's environment: the driver package
``ironic_openstack_driver`` does not depend on anything here.
"""
