// Drop or pick a table file and POST it, raw, to the dataset API with a real progress bar.
// The server judges the file; its error message is shown as it is. On success the parsed
// JSON answer goes back to Python through `onUploaded` (designer/ui/upload_zone.py).
import { useCallback, useEffect, useRef, useState } from 'react';
import { FileUp, LoaderCircle, TriangleAlert } from 'lucide-react';
import './upload-zone.css';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

// Decimal units, as the server states its limit ("500.0 MB"); ``short`` drops a ".0".
function size(bytes, short = false) {
  let amount = bytes;
  let unit = 0;
  while (amount >= 1000 && unit < UNITS.length - 1) {
    amount /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${amount} B`;
  const shown = amount.toFixed(1);
  return `${short && shown.endsWith('.0') ? shown.slice(0, -2) : shown} ${UNITS[unit]}`;
}

// The URL with the file's name (and the dataset's, when typed) added to its query string.
function target(url, filename, name) {
  const address = new URL(url, window.location.href);
  address.searchParams.set('filename', filename);
  if (name) address.searchParams.set('name', name);
  return address.pathname + address.search;
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function failure(request) {
  const message = parse(request.responseText)?.error?.message;
  // The server's sentences may start in lower case ("the file is…"); a file name must not be
  // touched ("picture.png looks like…"), so only a plain first word is capitalised.
  if (message && /^[a-z]+\s/.test(message)) return message[0].toUpperCase() + message.slice(1);
  if (message) return message;
  if (request.status === 413) return 'The file is larger than the server accepts.';
  return `The upload failed (the server answered ${request.status} ${request.statusText}).`;
}

export function UploadZone(props) {
  const {
    url,
    maxBytes = 0,
    accept = '.csv,.parquet',
    askName = false,
    label = 'Drop a CSV or Parquet file here, or click to choose one',
    emptyMessage = '{name} is empty: choose a file with a header row and at least one row of data.',
    id,
    className,
    style,
  } = props;
  const latest = useRef(props);
  latest.current = props;
  const input = useRef(null);
  const request = useRef(null);
  const [over, setOver] = useState(false);
  const [name, setName] = useState('');
  const [sending, setSending] = useState(null); // {file, loaded, total} while uploading
  const [error, setError] = useState('');

  useEffect(() => () => request.current?.abort(), []);

  const send = useCallback(
    (file) => {
      if (!file || request.current) return;
      setError('');
      // Nothing to send: say so in the page's words (the API's answer is for API clients).
      if (file.size === 0) {
        setError(emptyMessage.replaceAll('{name}', file.name));
        return;
      }
      if (maxBytes && file.size > maxBytes) {
        setError(
          `${file.name} is ${size(file.size)}; the largest upload accepted here is ` +
            `${size(maxBytes)}.`,
        );
        return;
      }
      const xhr = new XMLHttpRequest();
      request.current = xhr;
      const done = () => {
        request.current = null;
        setSending(null);
      };
      xhr.open('POST', target(url, file.name, name.trim()));
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) {
          setSending({ file: file.name, loaded: event.loaded, total: event.total });
        }
      };
      xhr.onload = () => {
        done();
        const body = parse(xhr.responseText);
        if (xhr.status >= 200 && xhr.status < 300 && body) {
          setName('');
          const handler = latest.current.onUploaded;
          if (typeof handler === 'function') handler({ ...body, filename: file.name });
        } else {
          setError(failure(xhr));
        }
      };
      xhr.onerror = () => {
        done();
        setError(
          'The upload did not reach the server, or the connection was cut' +
            (maxBytes ? ` (files over ${size(maxBytes)} are refused)` : '') +
            '. Check your connection and try again.',
        );
      };
      xhr.onabort = done;
      setSending({ file: file.name, loaded: 0, total: file.size });
      xhr.send(file);
    },
    [url, maxBytes, name, emptyMessage],
  );

  const pick = () => {
    if (!request.current) input.current?.click();
  };
  const onKeyDown = (event) => {
    if (event.target !== event.currentTarget) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      pick();
    }
  };
  const onDragOver = (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  const onDrop = (event) => {
    event.preventDefault();
    setOver(false);
    send(event.dataTransfer.files?.[0]);
  };
  const onChosen = (event) => {
    const file = event.target.files?.[0];
    event.target.value = ''; // choosing the same file again is a new upload
    send(file);
  };

  const share = sending && sending.total ? sending.loaded / sending.total : 0;
  const checking = sending && share >= 1;
  const classes = ['dz', over && 'dz-over', sending && 'dz-busy', error && 'dz-failed', className]
    .filter(Boolean)
    .join(' ');
  return (
    <div id={id} className={classes} style={style} data-testid="upload-zone">
      <div
        className="dz-target"
        role="button"
        tabIndex={0}
        aria-label={label}
        aria-disabled={Boolean(sending)}
        onClick={pick}
        onKeyDown={onKeyDown}
        onDragOver={onDragOver}
        onDragEnter={onDragOver}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <span className="dz-icon">
          {sending ? <LoaderCircle size={20} className="dz-spin" /> : <FileUp size={20} />}
        </span>
        <span className="dz-text">
          <strong>{sending ? sending.file : label}</strong>
          <span className="dz-hint">
            {sending
              ? checking
                ? 'Checking the file…'
                : `Uploading… ${Math.round(share * 100)}%`
              : `CSV or Parquet${maxBytes ? `, up to ${size(maxBytes, true)}` : ''}`}
          </span>
        </span>
        {askName && (
          <input
            className="dz-name"
            type="text"
            value={name}
            placeholder="Dataset name (optional)"
            aria-label="Dataset name"
            maxLength={200}
            disabled={Boolean(sending)}
            onChange={(event) => setName(event.target.value)}
            onClick={(event) => event.stopPropagation()}
            onKeyDown={(event) => event.stopPropagation()}
            data-testid="upload-name"
          />
        )}
        <input
          ref={input}
          type="file"
          accept={accept}
          hidden
          onChange={onChosen}
          data-testid="upload-input"
        />
      </div>
      {sending && (
        <div
          className="dz-progress"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(share * 100)}
          data-testid="upload-progress"
        >
          <div
            className={checking ? 'dz-bar dz-bar-checking' : 'dz-bar'}
            style={{ width: `${Math.max(2, share * 100)}%` }}
          />
        </div>
      )}
      {error && (
        <div className="dz-error" role="alert" data-testid="upload-error">
          <TriangleAlert size={15} />
          <span>{error}</span>
        </div>
      )}
    </div>
  );
}

export default UploadZone;
