#ifndef FOLIO_CTESSERACT_SHIM_H
#define FOLIO_CTESSERACT_SHIM_H
// Tesseract 5's C API (Debian: libtesseract-dev). FolioOCR is its only importer.
#include <tesseract/capi.h>
#endif
