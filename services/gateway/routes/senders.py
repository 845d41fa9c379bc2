"""Profile, identities and signatures, uploads (F5, F21, F22)."""

from __future__ import annotations

from services.gateway.endpoints import API, Endpoint, private
from services.gateway.handlers import identities, profile, signature, uploads
from services.gateway.schemas import (
    AttachmentQuery,
    IdentityIn,
    IdentityList,
    IdentityOut,
    ProfileIn,
    SendableAddresses,
    SignatureOut,
    SignatureRequest,
    UploadList,
    UploadOut,
)
from shared.model import Profile

_IDENTITY = f"{API}/identities/{{id}}"
_UPLOAD = f"{API}/uploads/{{id}}"
_TAG = "sending"

SENDERS: tuple[Endpoint, ...] = (
    private(
        "GET", f"{API}/profile", profile.get_profile, "The personal profile", Profile, tag=_TAG
    ),
    private(
        "PUT",
        f"{API}/profile",
        profile.put_profile,
        "Replace the personal profile (fields left out are emptied)",
        Profile,
        request=ProfileIn,
        tag=_TAG,
    ),
    private(
        "GET",
        f"{API}/profile/vcard",
        profile.get_vcard,
        "The profile as a vCard download (without the private comments and tags)",
        None,
        content_type="text/vcard",
        tag=_TAG,
    ),
    private(
        "GET",
        f"{API}/addresses",
        identities.list_addresses,
        "The addresses an identity may use",
        SendableAddresses,
        tag=_TAG,
    ),
    private(
        "GET",
        f"{API}/identities",
        identities.list_identities,
        "Sender identities, with the default one",
        IdentityList,
        tag=_TAG,
    ),
    private(
        "POST",
        f"{API}/identities",
        identities.create_identity,
        "Create a sender identity (403 if the address may not be used)",
        IdentityOut,
        request=IdentityIn,
        errors=(403, 409),
        tag=_TAG,
        status=201,
    ),
    private(
        "GET",
        _IDENTITY,
        identities.get_identity,
        "A sender identity",
        IdentityOut,
        errors=(404,),
        tag=_TAG,
    ),
    private(
        "PUT",
        _IDENTITY,
        identities.update_identity,
        "Replace every field of a sender identity",
        IdentityOut,
        request=IdentityIn,
        errors=(403, 404, 409),
        tag=_TAG,
    ),
    private(
        "DELETE",
        _IDENTITY,
        identities.delete_identity,
        "Delete a sender identity (the last one cannot be: 422)",
        None,
        errors=(404, 422),
        tag=_TAG,
        status=204,
    ),
    private(
        "POST",
        f"{API}/compose/signature",
        signature.compose_signature,
        "Insert an identity's signature into the bodies given, at the cursor or the end",
        SignatureOut,
        request=SignatureRequest,
        errors=(403, 404),
        tag=_TAG,
    ),
    private(
        "POST",
        f"{API}/uploads",
        uploads.create_uploads,
        'Upload files to attach (multipart/form-data, each file in a field "file")',
        UploadList,
        errors=(400, 413, 415),
        tag=_TAG,
        status=201,
        files_field="file",
    ),
    private("GET", _UPLOAD, uploads.get_upload, "An upload", UploadOut, errors=(404,), tag=_TAG),
    private(
        "GET",
        f"{_UPLOAD}/content",
        uploads.get_upload_content,
        "The bytes of an upload (risky types always as a download)",
        None,
        content_type="*/*",  # the file's own type; risky ones as application/octet-stream
        query=AttachmentQuery,
        errors=(404,),
        tag=_TAG,
    ),
)
