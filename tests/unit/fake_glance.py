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

"""Glance behind an autospecced openstacksdk image proxy (FakeNova's half).

Images have an owner (the project of the token that uploaded them,
``project_id``): a private image of another project is invisible (404),
and deleting another project's image or a protected one is refused with
403, as Glance's default policy does. An image can be deleted while
servers built from it live on.
"""

from unittest import mock

from openstack import exceptions as sdk_exc
from openstack.image.v2 import _proxy as image_proxy
from openstack.image.v2 import image as sdk_image


class FakeGlance:
    """The image side of FakeNova (which gives ``_ids``)."""

    #: The project of the driver's token (connection.current_project_id).
    PROJECT_ID = 'fa4e0000000000000000000000000001'
    OTHER_PROJECT_ID = 'fa4e0000000000000000000000000002'

    def image_proxy(self):
        """The autospecced image proxy; sets up the images' state too."""
        self.images = {}
        self.image_properties = {}   # image id -> properties as uploaded
        # Glance's [image_format]disk_formats; a cloud may drop iso.
        self.disk_formats = {'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk',
                             'raw', 'qcow2', 'vdi', 'iso', 'ploop'}
        self.uploads = []            # (name, bytes received, chunked)
        proxy = mock.create_autospec(image_proxy.Proxy, instance=True)
        proxy.get_image.side_effect = self.get_image
        proxy.find_image.side_effect = self.find_image
        proxy.images.side_effect = self.list_images
        proxy.create_image.side_effect = self.create_image
        proxy.delete_image.side_effect = self.glance_delete
        return proxy

    # State set-up for tests.
    def add_image(self, name, **properties):
        """A Glance image, as openstacksdk builds it from Glance's JSON.

        Properties it knows (os_shutdown_timeout) become attributes, the
        others land in ``properties``.
        """
        image = sdk_image.Image.existing(
            id='11111111-1111-1111-1111-%012d' % next(self._ids), name=name,
            **properties)
        self.images[image.id] = image
        self.image_properties[image.id] = dict(properties)
        return image

    def delete_image(self, image):
        """Delete an image from Glance; servers built from it live on."""
        del self.images[image.id]

    # Image API.
    def get_image(self, image):
        image_id = getattr(image, 'id', image)
        if image_id not in self.images:
            raise sdk_exc.NotFoundException(message='No image %s' % image_id,
                                            http_status=404)
        return self.images[image_id]

    def find_image(self, name_or_id, ignore_missing=True, **query):
        found = [i for i in self.images.values()
                 if name_or_id in (i.id, i.name)]
        if len(found) > 1:
            raise sdk_exc.DuplicateResource('several images %s' % name_or_id)
        if not found:
            if ignore_missing:
                return None
            raise sdk_exc.NotFoundException(message='No image')
        return found[0]

    def _visible(self, image):
        """Whether the driver's project sees an image (Glance's rules).

        Images added without an owner (add_image) are visible.
        """
        return (image.owner in (None, self.project_id)
                or image.visibility == 'public')

    def list_images(self, **query):
        """GET /v2/images filtered by name, tag and owner."""
        assert set(query) <= {'name', 'tag', 'owner'}, query
        for image in list(self.images.values()):
            if not self._visible(image):
                continue
            if 'tag' in query and query['tag'] not in (image.tags or []):
                continue
            if 'name' in query and query['name'] != image.name:
                continue
            if 'owner' in query and query['owner'] != image.owner:
                continue
            yield image

    def create_image(self, name, *, data=None, disk_format=None,
                     container_format=None, tags=None,
                     allow_duplicates=False, **kwargs):
        """Create and upload an image as Glance v2 does (PUT file).

        The data must be a file object (openstacksdk then streams it);
        bytes would be a whole ISO in the conductor's memory.
        """
        if disk_format not in self.disk_formats:
            raise sdk_exc.BadRequestException(
                message="Invalid disk format '%s' for image." % disk_format,
                http_status=400)
        if not hasattr(data, 'read'):
            raise AssertionError('upload data is not a file object: %r'
                                 % type(data))
        size = 0
        for chunk in iter(lambda: data.read(65536), b''):
            size += len(chunk)
        visibility = kwargs.pop('visibility', 'shared')
        owner = kwargs.pop('owner', self.project_id)
        protected = kwargs.pop('is_protected', False)
        props = {k: str(v) for k, v in kwargs.items()}
        image = sdk_image.Image.existing(
            id='22222222-2222-2222-2222-%012d' % next(self._ids),
            name=name, status='active', disk_format=disk_format,
            container_format=container_format, tags=list(tags or []),
            visibility=visibility, size=size, owner=owner,
            is_protected=protected, **props)
        self.images[image.id] = image
        self.image_properties[image.id] = dict(props)
        self.uploads.append((name, size))
        return image

    def glance_delete(self, image, ignore_missing=True):
        image_id = getattr(image, 'id', image)
        if image_id not in self.images or not self._visible(
                self.images[image_id]):
            if ignore_missing:
                return None
            raise sdk_exc.NotFoundException(message='No image %s' % image_id,
                                            http_status=404)
        found = self.images[image_id]
        if found.is_protected:
            raise sdk_exc.ForbiddenException(
                message='403 Forbidden: Image %s is protected' % image_id,
                details='Image %s is protected' % image_id, http_status=403)
        if found.owner not in (None, self.project_id):
            raise sdk_exc.ForbiddenException(
                message='403 Forbidden: You are not permitted to delete '
                        'this image.', http_status=403)
        del self.images[image_id]
