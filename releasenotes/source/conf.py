"""Sphinx configuration of the ironic-openstack-driver release notes."""

extensions = [
    'openstackdocstheme',
    'reno.sphinxext',
]

openstackdocs_repo_name = 'x/ironic-openstack-driver'
openstackdocs_use_storyboard = False
openstackdocs_auto_name = False

project = 'ironic-openstack-driver Release Notes'
copyright = 'ironic-openstack-driver developers'
master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = []
pygments_style = 'native'
release = ''
version = ''

html_theme = 'openstackdocs'
html_static_path = ['_static']
htmlhelp_basename = 'ironic-openstack-driver-releasenotes'
