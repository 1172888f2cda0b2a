"""The block editor (``/blocks/new``, ``/blocks/<id>``): the code on the left, the block it makes
on the right, updated as the person types.

Left: the title, category and description fields (they win over the docstring), the code
editor, and Save with an optional message (Ctrl+S too). Right: the problems, each one a link
to its line, or the block as it will look; then the version history. The owner shares and
deletes the block; viewers read the code and cannot change it. A component block shows its
YAML read-only: a new version comes from importing a new file.
"""

from __future__ import annotations

import reflex as rx

from designer.ui.blocks.editor_state import FROM_DOCSTRING, NEW_FILE_UPLOAD, BlockEditorState
from designer.ui.blocks.parts import SUBTITLE, block_preview
from designer.ui.blocks.sharing import BlockShareState, share_dialog
from designer.ui.blocks.texts import ACCEPT
from designer.ui.blocks.views import CATEGORY_CHOICES
from designer.ui.code_editor import code_editor
from designer.ui.confirm import confirm_dialog, confirm_note, delete_label
from designer.ui.item_page import back_link, once_loaded
from designer.ui.shell import app_header
from designer.userblocks.component_file import MAX_COMPONENT_BYTES
from designer.userblocks.spec import MAX_SOURCE_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS

#: How long the fields wait after the last key before the preview is read again.
FIELD_DEBOUNCE_MS = 300
#: The category select's choices: the docstring's, or one of the palette's categories.
CATEGORY_SELECT = (("From the docstring", FROM_DOCSTRING), *CATEGORY_CHOICES)


def _label(text: str, *field: rx.Component) -> rx.Component:
    return rx.flex(
        rx.text(text, size="1", weight="medium", color_scheme="gray"),
        *field,
        direction="column",
        gap="4px",
    )


def fields_row() -> rx.Component:
    """Title, category and description: filled, they win over the docstring."""
    return rx.flex(
        rx.flex(
            _label(
                "Title",
                rx.input(
                    value=BlockEditorState.title,
                    on_change=BlockEditorState.set_title,
                    debounce_timeout=FIELD_DEBOUNCE_MS,
                    placeholder="From the docstring's first line",
                    max_length=MAX_TITLE_CHARS * 2,
                    disabled=~BlockEditorState.editable,
                    custom_attrs={"data-testid": "block-title-field"},
                ),
            ),
            _label(
                "Category",
                rx.select.root(
                    rx.select.trigger(
                        width="180px", custom_attrs={"data-testid": "block-category"}
                    ),
                    rx.select.content(
                        *[rx.select.item(label, value=value) for label, value in CATEGORY_SELECT],
                        position="popper",
                    ),
                    value=BlockEditorState.category,
                    on_change=BlockEditorState.set_category,
                    disabled=~BlockEditorState.editable,
                ),
            ),
            gap="12px",
            class_name="block-fields-top",
        ),
        _label(
            "Description",
            rx.text_area(
                value=BlockEditorState.description,
                on_change=BlockEditorState.set_description,
                debounce_timeout=FIELD_DEBOUNCE_MS,
                placeholder="From the docstring's paragraphs after its first line",
                max_length=MAX_TEXT_CHARS * 2,
                rows="1",
                resize="vertical",
                disabled=~BlockEditorState.editable,
                custom_attrs={"data-testid": "block-description-field"},
            ),
        ),
        direction="column",
        gap="10px",
    )


def component_bar() -> rx.Component:
    """A component block's YAML is read-only: a new file makes the next version."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("package")),
        rx.flex(
            rx.callout.text(
                "This block comes from a Kubeflow Pipelines component file; its YAML is shown "
                "read-only.",
            ),
            rx.cond(
                BlockEditorState.can_edit,
                rx.upload.root(
                    rx.button(
                        rx.icon("file_up", size=14),
                        "Import a new file",
                        size="1",
                        variant="soft",
                    ),
                    id=NEW_FILE_UPLOAD,
                    accept=ACCEPT,
                    max_files=1,
                    max_size=MAX_COMPONENT_BYTES,
                    no_drag=True,
                    on_drop=BlockEditorState.import_version(
                        rx.upload_files(upload_id=NEW_FILE_UPLOAD)
                    ),
                    custom_attrs={"data-testid": "block-new-file"},
                ),
            ),
            align="center",
            justify="between",
            gap="12px",
            width="100%",
        ),
        color_scheme="gray",
        size="1",
    )


def save_bar() -> rx.Component:
    return rx.cond(
        BlockEditorState.editable,
        rx.flex(
            rx.input(
                value=BlockEditorState.save_message,
                on_change=BlockEditorState.set_save_message,
                debounce_timeout=FIELD_DEBOUNCE_MS,
                placeholder="What changed (optional)",
                max_length=200,
                flex="1",
                custom_attrs={"data-testid": "save-message"},
            ),
            rx.text("Ctrl+S", size="1", color_scheme="gray"),
            rx.button(
                rx.icon("save", size=15),
                "Save",
                on_click=BlockEditorState.save,
                disabled=~BlockEditorState.can_save,
                title=rx.cond(
                    BlockEditorState.problems.length() > 0,
                    "Fix the problems first",
                    "Save as a new version",
                ),
                custom_attrs={"data-testid": "save-block"},
            ),
            align="center",
            gap="10px",
        ),
    )


def editor_box() -> rx.Component:
    return rx.box(
        code_editor(
            value=BlockEditorState.doc,
            doc_key=BlockEditorState.doc_key,
            language=BlockEditorState.language,
            read_only=~BlockEditorState.editable,
            problems=BlockEditorState.marks,
            cursor=BlockEditorState.cursor,
            max_chars=MAX_SOURCE_CHARS,
            on_change=BlockEditorState.edit,
            on_save=BlockEditorState.save_text,
            custom_attrs={"data-testid": "code-editor"},
        ),
        class_name="block-code",
    )


def viewing_banner() -> rx.Component:
    return rx.cond(
        BlockEditorState.viewing > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("history")),
            rx.flex(
                rx.callout.text(
                    "Version " + BlockEditorState.viewing.to(str) + ", read-only.",
                    weight="medium",
                ),
                rx.spacer(),
                rx.cond(
                    BlockEditorState.can_edit,
                    rx.button(
                        "Restore as new version",
                        size="1",
                        on_click=BlockEditorState.restore,
                        custom_attrs={"data-testid": "restore-version"},
                    ),
                ),
                rx.button(
                    rx.cond(
                        BlockEditorState.kind == "python", "Back to the code", "Back to the newest"
                    ),
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=BlockEditorState.show_current,
                    custom_attrs={"data-testid": "show-current"},
                ),
                align="center",
                gap="8px",
                width="100%",
            ),
            color_scheme="blue",
            size="1",
            custom_attrs={"data-testid": "viewing-version"},
        ),
    )


def problem_row(problem: rx.Var) -> rx.Component:
    return rx.el.button(
        rx.icon("circle_x", size=14, color="var(--red-10)", flex_shrink="0", margin_top="2px"),
        rx.text(problem["text"].to(str), size="2", align="left"),
        on_click=BlockEditorState.goto(problem["line"].to(int), problem["column"].to(int)),
        class_name="problem-row",
        title="Show this line in the code",
        custom_attrs={"data-testid": "problem", "data-line": problem["line"].to(str)},
    )


def problems_card() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                rx.icon("triangle_alert", size=16, color="var(--red-10)"),
                rx.text(
                    BlockEditorState.problem_count,
                    size="2",
                    weight="bold",
                    custom_attrs={"data-testid": "problem-count"},
                ),
                rx.text("· click one to see its line", size="1", color_scheme="gray"),
                align="center",
                gap="6px",
            ),
            rx.foreach(BlockEditorState.problems, problem_row),
            direction="column",
            gap="4px",
        ),
        size="2",
        custom_attrs={"data-testid": "problems"},
    )


def version_row(version: rx.Var) -> rx.Component:
    number = version["number"].to(int)
    return rx.flex(
        rx.flex(
            rx.badge(version["label"].to(str), variant="soft", color_scheme="gray"),
            rx.text(version["message"].to(str), size="2", weight="medium", trim="both"),
            rx.cond(version["latest"].to(bool), rx.badge("latest", color_scheme="green")),
            rx.cond(version["viewing"].to(bool), rx.badge("on show", color_scheme="blue")),
            align="center",
            gap="6px",
            wrap="wrap",
        ),
        rx.flex(
            rx.text(
                version["author"].to(str) + " · " + version["when"].to(str),
                size="1",
                color_scheme="gray",
                title=version["when_exact"].to(str),
            ),
            rx.button(
                "View",
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=BlockEditorState.show_version(number),
                custom_attrs={"data-testid": "version-view"},
            ),
            justify="between",
            align="center",
        ),
        direction="column",
        gap="4px",
        padding="8px 0",
        border_bottom="1px solid var(--gray-a4)",
        custom_attrs={"data-testid": "version-row", "data-number": number.to(str)},
    )


def history_card() -> rx.Component:
    return rx.cond(
        BlockEditorState.history.length() > 0,
        rx.card(
            rx.text("History", size="2", weight="bold"),
            rx.flex(
                rx.foreach(BlockEditorState.history, version_row),
                direction="column",
                max_height="320px",
                overflow_y="auto",
                overflow_x="hidden",
            ),
            size="2",
            custom_attrs={"data-testid": "block-history"},
        ),
    )


def side() -> rx.Component:
    return rx.flex(
        rx.cond(
            BlockEditorState.problems.length() > 0,
            problems_card(),
            rx.cond(
                BlockEditorState.has_preview,
                rx.box(
                    rx.text("Preview", style=SUBTITLE),
                    block_preview(BlockEditorState.preview),
                    custom_attrs={"data-testid": "block-preview"},
                ),
            ),
        ),
        history_card(),
        direction="column",
        gap="16px",
        min_width="0",
    )


def title_row() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.heading(
                BlockEditorState.heading,
                size="7",
                custom_attrs={"data-testid": "block-heading"},
            ),
            rx.flex(
                rx.badge(BlockEditorState.kind_label, variant="soft", color_scheme="iris"),
                rx.cond(
                    BlockEditorState.version > 0,
                    rx.badge(
                        "v" + BlockEditorState.version.to(str),
                        variant="soft",
                        color_scheme="gray",
                        custom_attrs={"data-testid": "block-version"},
                    ),
                    rx.badge("not saved yet", variant="outline", color_scheme="gray"),
                ),
                rx.badge(
                    BlockEditorState.role_sentence,
                    variant="soft",
                    color_scheme=rx.cond(BlockEditorState.can_edit, "green", "gray"),
                    custom_attrs={"data-testid": "block-role"},
                ),
                rx.cond(
                    ~BlockEditorState.is_owner & ~BlockEditorState.is_new,
                    rx.text("Owner: " + BlockEditorState.owner, size="2", color_scheme="gray"),
                ),
                rx.cond(
                    BlockEditorState.deleted,
                    rx.badge("deleted", color_scheme="red", variant="soft"),
                ),
                align="center",
                gap="8px",
                wrap="wrap",
            ),
            direction="column",
            gap="6px",
            min_width="0",
        ),
        rx.cond(
            BlockEditorState.is_owner & ~BlockEditorState.is_new,
            rx.flex(
                rx.button(
                    rx.icon("share_2", size=15),
                    "Share",
                    variant="soft",
                    on_click=BlockShareState.open_dialog(
                        BlockEditorState.block_id, BlockEditorState.heading
                    ),
                    custom_attrs={"data-testid": "share-block"},
                ),
                rx.button(
                    rx.icon("trash_2", size=15),
                    "Delete",
                    variant="soft",
                    color_scheme="red",
                    on_click=BlockEditorState.ask_delete,
                    custom_attrs={"data-testid": "delete-block"},
                ),
                gap="8px",
            ),
        ),
        justify="between",
        align="start",
        gap="16px",
    )


def delete_dialog() -> rx.Component:
    return confirm_dialog(
        title="Delete this block?",
        description="“" + BlockEditorState.heading + "” leaves the palette and your blocks. "
        "Flows that use one of its versions keep it and still run.",
        confirm=delete_label(BlockEditorState.in_use),
        on_confirm=BlockEditorState.confirm_delete,
        on_cancel=BlockEditorState.cancel_delete,
        open=BlockEditorState.deleting,
        testid="confirm-delete-block",
        extra=(confirm_note(BlockEditorState.in_use, "block-in-use"),),
    )


def editor_view() -> rx.Component:
    return rx.flex(
        title_row(),
        viewing_banner(),
        rx.el.div(
            rx.flex(
                rx.cond(BlockEditorState.kind == "python", fields_row(), component_bar()),
                editor_box(),
                save_bar(),
                direction="column",
                gap="12px",
                min_width="0",
            ),
            side(),
            class_name="block-editor-grid",
        ),
        direction="column",
        gap="16px",
    )


def page() -> rx.Component:
    return rx.box(
        app_header(),
        rx.el.main(
            back_link("Blocks", "/blocks", "back-to-blocks", margin_bottom="12px"),
            once_loaded(
                editor_view(),
                loaded=BlockEditorState.loaded,
                error=BlockEditorState.error,
                error_testid="block-error",
            ),
            delete_dialog(),
            share_dialog(),
            max_width="1400px",
            margin="0 auto",
            padding="20px 24px 24px",
        ),
        class_name="app",
    )


STYLE = {
    ".block-editor-grid": {
        "display": "grid",
        "grid_template_columns": "minmax(0, 3fr) minmax(320px, 2fr)",
        "gap": "20px",
        "align_items": "start",
        "@media (max-width: 900px)": {"grid_template_columns": "minmax(0, 1fr)"},
    },
    ".block-fields-top": {"& > :first-child": {"flex": "1"}},
    ".block-code": {
        # The page fits the window: header, title, fields and the save bar take about 420px.
        "height": "max(360px, calc(100vh - 420px))",
        "border": "1px solid var(--gray-a6)",
        "border_radius": "var(--radius-3)",
        "overflow": "hidden",
        "background": "var(--color-panel-solid)",
    },
    ".block-code .cm-editor": {"height": "100%"},
    ".problem-row": {
        "display": "flex",
        "gap": "8px",
        "align_items": "flex-start",
        "text_align": "left",
        "padding": "6px 8px",
        "border": "none",
        "border_radius": "var(--radius-2)",
        "background": "transparent",
        "color": "var(--gray-12)",
        "cursor": "pointer",
        "font": "inherit",
    },
    ".problem-row:hover": {"background": "var(--red-a3)"},
    ".problem-row:focus-visible": {"outline": "2px solid var(--focus-8)"},
}
