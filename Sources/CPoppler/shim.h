#ifndef FOLIO_CPOPPLER_SHIM_H
#define FOLIO_CPOPPLER_SHIM_H
#include <poppler.h>
#include <glib.h>
#include <glib-object.h>
// Page rendering: poppler_page_render draws on a cairo context; FolioPDF makes the image surface and the PNG.
#include <cairo.h>
#endif
