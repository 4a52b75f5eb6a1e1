import { EXPORT_FILE_NAMES } from '@sentiment/core';
import { CSV_PATHS } from '../lib/api.ts';

/** Props of {@link CsvDownloads}: without `hrefs`, the links export every stored review. */
export interface CsvDownloadsProps {
  /** The export links of a filtered view (the console's), comma- and semicolon-separated. */
  hrefs?: { comma: string; semicolon: string };
  /** Says what the filtered links hold. */
  description?: string;
}

/**
 * Links to the stored reviews as CSV, comma- or semicolon-separated. The server names the files
 * (`Content-Disposition`); `download` names them the same for browsers that go by the attribute.
 */
export function CsvDownloads({ hrefs = CSV_PATHS, description }: CsvDownloadsProps) {
  return (
    <section className="card downloads" aria-labelledby="downloads-heading">
      <h2 id="downloads-heading">Stored reviews</h2>
      <p className="muted">{description ?? 'Every approved or corrected sentence, as a CSV file that can retrain the model.'}</p>
      <p className="download-links">
        <a href={hrefs.comma} download={EXPORT_FILE_NAMES.comma}>
          Download CSV
        </a>
        <a href={hrefs.semicolon} download={EXPORT_FILE_NAMES.semicolon}>
          Download CSV (semicolon, for Excel)
        </a>
      </p>
    </section>
  );
}
