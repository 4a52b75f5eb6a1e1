import { EXPORT_FILE_NAMES } from '@sentiment/core';
import { CSV_PATHS } from '../lib/api.ts';

/**
 * Links to every stored review as CSV, comma- or semicolon-separated. The server names the files
 * (`Content-Disposition`); `download` names them the same for browsers that go by the attribute.
 */
export function CsvDownloads() {
  return (
    <section className="card downloads" aria-labelledby="downloads-heading">
      <h2 id="downloads-heading">Stored reviews</h2>
      <p className="muted">Every approved or corrected sentence, as a CSV file that can retrain the model.</p>
      <p className="download-links">
        <a href={CSV_PATHS.comma} download={EXPORT_FILE_NAMES.comma}>
          Download CSV
        </a>
        <a href={CSV_PATHS.semicolon} download={EXPORT_FILE_NAMES.semicolon}>
          Download CSV (semicolon, for Excel)
        </a>
      </p>
    </section>
  );
}
