"""Inventory uploads stay in memory: plain staff numbers never reach a temporary file on disk."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopFutureHandlers


class InventoryUploadHandler(FileUploadHandler):
    """Buffers the upload in memory up to EVC_MAX_STAFF_UPLOAD_BYTES; beyond that the file is skipped.

    Django's default handlers spool anything over 2.5 MB to a temporary file; for an
    inventory that would put the plain references on disk, however briefly.
    """

    too_large = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = BytesIO()
        self.size = 0
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size > settings.EVC_MAX_STAFF_UPLOAD_BYTES:
            self.too_large = True
            self.file = BytesIO()
            raise SkipFile()
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
