# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Base objects of the lab, created idempotently through the real APIs.

* Keystone: the ``service`` role and project, one service user per service
  (admin + service roles in project ``service``), the normal user ``demo``
  (member of project ``demo``) and the catalog (identity comes from
  ``keystone-manage bootstrap``; compute, placement, image, network,
  baremetal added here).
* Glance: the iPXE rescue image (Debian's ipxe ISO, public, stable device
  rescue properties) and a tiny blank raw disk image (public); their UEFI
  twins: the UEFI rescue image, made by the driver's own
  ``ironic-openstack-nodes rescue-image --uefi`` from the same ISO (whose
  El Torito catalog also boots Debian's iPXE EFI build), and a blank disk
  image with hw_firmware_type=uefi and hw_machine_type=q35.
* Nova: the flavor ``bm.small`` (1 vCPU, 512 MB RAM, 1 GB disk).
"""

import json
import os
import urllib.parse

from labkit import procs
from labkit import rest
from labkit import settings as s

CATALOG = (
    # (type, name, url); each gets public, internal and admin endpoints
    # (services look up internal ones by default, clients public ones).
    ('identity', 'keystone', s.url('keystone', '/v3')),
    ('compute', 'nova', s.url('nova-api', '/v2.1')),
    ('placement', 'placement', s.url('placement')),
    ('image', 'glance', s.url('glance')),
    ('network', 'neutron', s.url('neutron')),
    ('baremetal', 'ironic', s.url('ironic')),
)

RESCUE_IMAGE_PROPERTIES = {
    'hw_rescue_device': 'cdrom',
    'hw_rescue_bus': 'sata',
    'os_shutdown_timeout': '5',
    'hw_firmware_type': 'bios',
}
DISK_IMAGE_SIZE = 1024 * 1024   # 1 MiB of zeros, raw
#: What ``rescue-image --uefi`` sets: checked first, so that the tool runs
#: only when the image is missing or differs.
UEFI_RESCUE_IMAGE_PROPERTIES = dict(RESCUE_IMAGE_PROPERTIES,
                                    hw_firmware_type='uefi',
                                    hw_machine_type='q35')
#: The blank disk of UEFI servers. q35: what OVMF's secure boot needs too,
#: and the machine type of the UEFI rescue image.
UEFI_DISK_IMAGE_PROPERTIES = {'os_shutdown_timeout': '5',
                              'hw_firmware_type': 'uefi',
                              'hw_machine_type': 'q35'}


def admin_session(sec, system=False):
    if system:
        return rest.Session(s.ADMIN_USER, sec['admin'], system=True)
    return rest.Session(s.ADMIN_USER, sec['admin'], project=s.ADMIN_PROJECT)


def _find(sess, collection, key, name, **query):
    params = dict(query, name=name)
    data = sess.get(s.url('keystone', '/v3/%s?%s' % (
        collection, urllib.parse.urlencode(params))))
    items = data[key]
    return items[0] if items else None


def _ensure(sess, collection, key, name, body, **query):
    found = _find(sess, collection, key, name, **query)
    if found:
        return found
    return sess.post(s.url('keystone', '/v3/' + collection),
                     {key[:-1]: body})[key[:-1]]


def identities(sec, sess=None):
    """Projects, roles, users, role assignments and catalog entries."""
    sess = sess or admin_session(sec)
    kurl = s.url('keystone', '/v3')
    roles = {}
    for role in ('admin', 'member', 'reader', 'service'):
        roles[role] = _ensure(sess, 'roles', 'roles', role,
                              {'name': role})['id']
    projects = {}
    for project in (s.SERVICE_PROJECT, s.DEMO_PROJECT):
        projects[project] = _ensure(
            sess, 'projects', 'projects', project,
            {'name': project, 'domain_id': 'default'})['id']

    def user(name, password):
        # Never reset an existing user's password: Keystone would revoke the
        # tokens that the running services hold (401s everywhere). The
        # password comes from secrets.json, so it is the same anyway.
        found = _find(sess, 'users', 'users', name)
        if found:
            return found['id']
        return sess.post(kurl + '/users', {'user': {
            'name': name, 'password': password,
            'domain_id': 'default'}})['user']['id']

    def grant(project, user_id, role):
        sess.call('PUT', '%s/projects/%s/users/%s/roles/%s' % (
            kurl, projects[project], user_id, roles[role]))

    for name in s.SERVICE_USERS:
        uid = user(name, sec[name])
        grant(s.SERVICE_PROJECT, uid, 'admin')
        grant(s.SERVICE_PROJECT, uid, 'service')
    grant(s.DEMO_PROJECT, user(s.DEMO_USER, sec['demo']), 'member')

    for stype, sname, url in CATALOG:
        found = _find(sess, 'services', 'services', sname, type=stype)
        if not found:
            found = sess.post(kurl + '/services', {'service': {
                'type': stype, 'name': sname, 'enabled': True}})['service']
        endpoints = sess.get('%s/endpoints?service_id=%s' % (
            kurl, found['id']))['endpoints']
        for interface in ('public', 'internal', 'admin'):
            mine = [ep for ep in endpoints if ep['interface'] == interface]
            if mine and mine[0]['url'] != url:
                sess.call('PATCH', '%s/endpoints/%s' % (kurl, mine[0]['id']),
                          {'endpoint': {'url': url}})
            elif not mine:
                sess.post(kurl + '/endpoints', {'endpoint': {
                    'service_id': found['id'], 'interface': interface,
                    'url': url, 'region_id': s.REGION}})


def _active_image(sess, glance, name):
    """The active image named ``name``; deletes broken leftovers."""
    images = sess.get('%s/v2/images?name=%s' % (
        glance, urllib.parse.quote(name)))['images']
    keep = None
    for image in images:
        if image['status'] == 'active' and keep is None:
            keep = image
        elif image['status'] != 'active':
            sess.call('DELETE', '%s/v2/images/%s' % (glance, image['id']))
    return keep


def _upload_image(sess, glance, name, disk_format, data, properties):
    body = dict(properties, name=name, disk_format=disk_format,
                container_format='bare', visibility='public')
    image = sess.post(glance + '/v2/images', body)
    sess.call('PUT', '%s/v2/images/%s/file' % (glance, image['id']),
              raw=data, content_type='application/octet-stream',
              timeout=300)
    image = sess.get('%s/v2/images/%s' % (glance, image['id']))
    if image['status'] != 'active':
        raise RuntimeError('image %s is %s after upload' % (
            name, image['status']))
    return image


def images(sec, iso_path, sess=None):
    """The rescue and blank images; returns their UUIDs."""
    sess = sess or admin_session(sec)
    glance = s.url('glance')
    rescue = _active_image(sess, glance, s.RESCUE_IMAGE_NAME)
    if rescue and any(rescue.get(k) != v
                      for k, v in RESCUE_IMAGE_PROPERTIES.items()):
        _set_properties(sess, glance, rescue, RESCUE_IMAGE_PROPERTIES)
    if not rescue:
        with open(iso_path, 'rb') as f:
            rescue = _upload_image(sess, glance, s.RESCUE_IMAGE_NAME, 'iso',
                                   f.read(), RESCUE_IMAGE_PROPERTIES)
    disk = _active_image(sess, glance, s.DISK_IMAGE_NAME)
    if not disk:
        disk = _upload_image(sess, glance, s.DISK_IMAGE_NAME, 'raw',
                             b'\0' * DISK_IMAGE_SIZE,
                             {'os_shutdown_timeout': '5'})
    return rescue['id'], disk['id']


def differs(image, properties, visibility='public'):
    """Whether a Glance image (JSON) is missing or lacks a property."""
    return (image is None or image.get('visibility') != visibility
            or any(str(image.get(k)) != v for k, v in properties.items()))


def _set_properties(sess, glance, image, properties):
    sess.call('PATCH', '%s/v2/images/%s' % (glance, image['id']),
              raw=json.dumps([
                  {'op': 'add', 'path': '/' + k, 'value': v}
                  for k, v in properties.items()]).encode(),
              content_type='application/openstack-images-v2.1-json-patch')


def rescue_image_tool_argv(p, iso_path):
    """The driver's tool making the UEFI rescue image, as project admin."""
    return [p.venv_bin(p.ironic_venv, 'ironic-openstack-nodes'),
            '--os-cloud', s.PROJECT_ADMIN_CLOUD,
            '--os-config-file', p.clouds_yaml, 'rescue-image', '--uefi',
            '--file', iso_path, '--name', s.RESCUE_IMAGE_UEFI_NAME,
            '--visibility', 'public']


def uefi_images(p, sec, iso_path, log, sess=None):
    """The UEFI rescue image and blank disk; returns their UUIDs.

    The rescue image is the tool's (``rescue-image --uefi``, run in the
    Ironic venv only when the image is missing or its properties differ);
    the disk is uploaded here, as the BIOS one.
    """
    sess = sess or admin_session(sec)
    glance = s.url('glance')
    rescue = _active_image(sess, glance, s.RESCUE_IMAGE_UEFI_NAME)
    if differs(rescue, UEFI_RESCUE_IMAGE_PROPERTIES):
        procs.run(rescue_image_tool_argv(p, iso_path),
                  'ironic-openstack-nodes rescue-image --uefi', log)
        rescue = _active_image(sess, glance, s.RESCUE_IMAGE_UEFI_NAME)
        if not rescue or rescue.get('hw_firmware_type') != 'uefi':
            raise procs.LabError(
                'ironic-openstack-nodes rescue-image --uefi left image %s '
                'as %s; log: %s' % (s.RESCUE_IMAGE_UEFI_NAME, rescue, log))
    disk = _active_image(sess, glance, s.DISK_IMAGE_UEFI_NAME)
    if disk and differs(disk, UEFI_DISK_IMAGE_PROPERTIES):
        _set_properties(sess, glance, disk, UEFI_DISK_IMAGE_PROPERTIES)
    if not disk:
        disk = _upload_image(sess, glance, s.DISK_IMAGE_UEFI_NAME, 'raw',
                             b'\0' * DISK_IMAGE_SIZE,
                             UEFI_DISK_IMAGE_PROPERTIES)
    return rescue['id'], disk['id']


def flavor(sec, sess=None):
    """The flavor bm.small; returns its id."""
    sess = sess or admin_session(sec)
    nova = s.url('nova-api', '/v2.1')
    for item in sess.get(nova + '/flavors?is_public=None')['flavors']:
        if item['name'] == s.FLAVOR_NAME:
            return item['id']
    return sess.post(nova + '/flavors', {'flavor': {
        'name': s.FLAVOR_NAME, 'ram': 512, 'vcpus': 1, 'disk': 1,
        'os-flavor-access:is_public': True}})['flavor']['id']


def save(p, rescue_image, disk_image, flavor_id, deploy=None,
         uefi=(None, None)):
    """Record the base objects (``status`` shows them).

    :param uefi: (UEFI rescue image, UEFI disk image) UUIDs.
    """
    data = {'rescue_image': rescue_image, 'disk_image': disk_image,
            'flavor': s.FLAVOR_NAME, 'flavor_id': flavor_id,
            'rescue_image_name': s.RESCUE_IMAGE_NAME,
            'disk_image_name': s.DISK_IMAGE_NAME,
            'rescue_image_uefi': uefi[0], 'disk_image_uefi': uefi[1],
            'rescue_image_uefi_name': s.RESCUE_IMAGE_UEFI_NAME,
            'disk_image_uefi_name': s.DISK_IMAGE_UEFI_NAME}
    if deploy:
        data['deploy'] = deploy
    tmp = p.provisioned + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, p.provisioned)
    return data


def load(p):
    try:
        with open(p.provisioned) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}
