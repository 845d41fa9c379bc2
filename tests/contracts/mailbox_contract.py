"""The mailbox store contract: one suite per role of the port (`shared/ports/`), gathered
here as `MailboxStore` gathers the roles. Every adapter's test class subclasses
`MailboxStoreContract` and provides an async `store` fixture yielding a fresh, empty
store, and `open_store` (`mailbox_support.OpenStore`)."""

from __future__ import annotations

from shared.ports.mailbox import MailboxStore
from tests.contracts.mailbox_admin_contract import AccountAdminContract
from tests.contracts.mailbox_automation_contract import AutomationStateContract
from tests.contracts.mailbox_directory_contract import DirectoryContract
from tests.contracts.mailbox_filters_contract import FilterRulesContract
from tests.contracts.mailbox_folders_contract import FoldersContract
from tests.contracts.mailbox_housekeeping_contract import HousekeepingContract
from tests.contracts.mailbox_identities_contract import IdentitiesContract
from tests.contracts.mailbox_journal_contract import JournalContract, OutboxContract
from tests.contracts.mailbox_messages_contract import MessagesContract
from tests.contracts.mailbox_settings_contract import UserSettingsContract
from tests.contracts.mailbox_submissions_contract import SubmissionsContract
from tests.contracts.mailbox_tags_contract import TagsContract


class MailboxStoreContract(
    DirectoryContract,
    AccountAdminContract,
    FoldersContract,
    MessagesContract,
    TagsContract,
    JournalContract,
    OutboxContract,
    AutomationStateContract,
    SubmissionsContract,
    FilterRulesContract,
    IdentitiesContract,
    UserSettingsContract,
    HousekeepingContract,
):
    async def test_ping_answers(self, store: MailboxStore) -> None:
        await store.ping()
