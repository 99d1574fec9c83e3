"""Command-line tools: a cloud's instances as an Ironic bare-metal pool.

The ``ironic-openstack-nodes`` console script (see cli.py) puts the iPXE
rescue image into Glance, creates the servers that play the machines,
writes the nodes file ``openstack baremetal create`` reads and enrolls the
nodes in Ironic. It only needs openstacksdk and the standard library, and
opens its connections like the driver does (cloud.open_connection).
"""
