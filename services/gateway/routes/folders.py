"""Folders and what they list: messages and threads (F19, F20, F35-F37, F55)."""

from __future__ import annotations

from services.gateway.endpoints import API, Endpoint, private
from services.gateway.handlers import folders, listing, threads
from services.gateway.schemas import (
    FolderCreate,
    FolderList,
    FolderOut,
    FolderUpdate,
    ListQuery,
    MessagePage,
    PageQuery,
    ThreadPage,
)

_FOLDER = f"{API}/folders/{{id}}"

FOLDERS: tuple[Endpoint, ...] = (
    private(
        "GET",
        f"{API}/folders",
        folders.list_folders,
        "Folders with their message counts",
        FolderList,
        tag="folders",
    ),
    private(
        "POST",
        f"{API}/folders",
        folders.create_folder,
        "Create a folder, at the top or under another",
        FolderOut,
        request=FolderCreate,
        errors=(404, 409, 422),
        tag="folders",
        status=201,
    ),
    private(
        "PATCH",
        _FOLDER,
        folders.update_folder,
        "Rename and/or move a folder (parent_id null: to the top)",
        FolderOut,
        request=FolderUpdate,
        errors=(404, 409, 422),
        tag="folders",
    ),
    private(
        "DELETE",
        _FOLDER,
        folders.delete_folder,
        "Delete a folder: it goes to Trash with its subfolders and messages",
        FolderOut,
        errors=(404, 422),
        tag="folders",
    ),
    private(
        "GET",
        f"{_FOLDER}/messages",
        listing.folder_messages,
        "Messages of a folder, sorted, paged as asked or by the paging preference",
        MessagePage,
        query=ListQuery,
        errors=(404,),
        tag="folders",
    ),
    private(
        "GET",
        f"{_FOLDER}/threads",
        threads.folder_threads,
        "Conversations of a folder, newest activity first",
        ThreadPage,
        query=PageQuery,
        errors=(404,),
        tag="folders",
    ),
)
