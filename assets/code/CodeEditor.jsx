// A code editor for a block's source (designer/ui/code_editor.py): CodeMirror 6 with line
// numbers, Python or YAML highlighting, the page's light or dark theme, and the server's
// problems as lint marks. The text stays here while the person types; the server gets it
// debounced through onChange(text, length), or at once through onSave on Ctrl+S.
import { useCallback, useContext, useEffect, useMemo, useRef } from 'react';
import CodeMirror, { EditorView, Prec, keymap } from '@uiw/react-codemirror';
import { python } from '@codemirror/lang-python';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { ColorModeContext } from '$/utils/context';

const LANGUAGES = { python, yaml };
const BASIC_SETUP = {
  lineNumbers: true,
  foldGutter: true,
  highlightActiveLine: true,
  highlightActiveLineGutter: true,
  // Completion pop-ups offer keywords the person already knows, and catch Enter and Tab.
  autocompletion: false,
};

// The editor fills its box; its fonts and gutter follow the page's (Radix) theme.
const LOOK = EditorView.theme({
  '&': { height: '100%', fontSize: '13px' },
  '.cm-scroller': {
    fontFamily: 'var(--code-font-family, ui-monospace, SFMono-Regular, Menlo, monospace)',
    lineHeight: '1.55',
  },
  '.cm-gutters': { borderRight: '1px solid var(--gray-a5)' },
  '&.cm-focused': { outline: 'none' },
});

// Where a 1-based (line, column) is in the document, kept inside it: the problems were found
// in the text as last sent, and the person may have typed since.
function positionOf(doc, line, column) {
  const number = Math.min(Math.max(1, line | 0), doc.lines);
  const at = doc.line(number);
  return { at, pos: Math.min(at.from + Math.max(0, (column | 0) - 1), at.to) };
}

function diagnosticsOf(doc, problems) {
  return (problems ?? [])
    .filter((p) => p && p.line > 0)
    .map((p) => {
      const { at, pos } = positionOf(doc, p.line, p.column);
      // Mark from the column to the end of the line (at least one character when there is one).
      const to = at.to > pos ? at.to : Math.min(pos + 1, doc.length);
      return { from: pos, to: Math.max(pos, to), severity: 'error', message: String(p.message) };
    });
}

function dataProps(props) {
  return Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith('data-')));
}

export function CodeEditor(props) {
  const {
    id,
    className,
    style,
    value,
    docKey,
    language,
    readOnly,
    problems,
    cursor,
    maxChars,
    debounceMs,
    onChange,
    onSave,
  } = props;
  const view = useRef(null);
  const timer = useRef(null);
  const latest = useRef({ onChange, onSave, maxChars });
  latest.current = { onChange, onSave, maxChars };
  const { resolvedColorMode } = useContext(ColorModeContext);

  // What goes over the page's connection: the text, or '' and its length when it is too long.
  const payload = (text) => {
    const limit = latest.current.maxChars;
    return [limit && text.length > limit ? '' : text, text.length];
  };
  const save = useCallback(() => {
    if (!view.current || readOnly) return false;
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = null;
    latest.current.onSave?.(...payload(view.current.state.doc.toString()));
    return true;
  }, [readOnly]);

  const changed = useCallback(
    (text) => {
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        timer.current = null;
        latest.current.onChange?.(...payload(text));
      }, debounceMs ?? 300);
    },
    [debounceMs],
  );
  // When the server replaces the text (another version opened, one restored), a change of
  // the old text still waiting is dropped: sent now, it would overwrite the new one.
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = null;
    },
    [docKey],
  );

  const extensions = useMemo(
    () => [
      (LANGUAGES[language] ?? python)(),
      lintGutter(),
      LOOK,
      EditorView.lineWrapping,
      Prec.highest(keymap.of([{ key: 'Mod-s', preventDefault: true, run: save }])),
    ],
    [language, save],
  );

  // Ctrl+S outside the editor too (in the title field, on a button): the page saves.
  useEffect(() => {
    if (readOnly) return undefined;
    const onKey = (event) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        if (view.current && view.current.hasFocus) return; // the keymap has it
        event.preventDefault();
        save();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [readOnly, save]);

  // The server's problems as lint marks, on the text as it is now.
  const showProblems = useCallback(() => {
    const editor = view.current;
    if (!editor) return;
    editor.dispatch(setDiagnostics(editor.state, diagnosticsOf(editor.state.doc, problems)));
  }, [problems]);
  useEffect(showProblems, [showProblems]);

  // Clicking a problem puts the cursor on its line.
  useEffect(() => {
    const editor = view.current;
    if (!editor || !cursor || !cursor.seq) return;
    const { pos } = positionOf(editor.state.doc, cursor.line, cursor.column);
    editor.dispatch({
      selection: { anchor: pos },
      effects: EditorView.scrollIntoView(pos, { y: 'center' }),
    });
    editor.focus();
  }, [cursor?.seq]);

  const created = useCallback(
    (editor) => {
      view.current = editor;
      showProblems();
    },
    [showProblems],
  );

  return (
    <div
      id={id}
      className={className ? `dc-code ${className}` : 'dc-code'}
      style={{ overflow: 'hidden', ...style }}
      data-read-only={readOnly ? 'true' : 'false'}
      {...dataProps(props)}
    >
      <CodeMirror
        key={docKey ?? ''}
        value={value ?? ''}
        height="100%"
        style={{ height: '100%' }}
        theme={resolvedColorMode === 'dark' ? 'dark' : 'light'}
        basicSetup={BASIC_SETUP}
        extensions={extensions}
        editable={!readOnly}
        readOnly={!!readOnly}
        onChange={changed}
        onCreateEditor={created}
        aria-label={readOnly ? 'Code (read-only)' : 'Code'}
      />
    </div>
  );
}

export default CodeEditor;
