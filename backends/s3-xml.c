/* Expat under the S3 answers: paths of leaves and ends of records. */
#include "config.h"

#include <expat.h>
#include <string.h>

#include "backends/s3-xml.h"
#include "core/buf.h"
#include "core/xmalloc.h"

#define S3_XML_MAX_TEXT		(64 * 1024)	/* longer text is an attack */
#define S3_XML_MAX_DEPTH	16

struct s3_xml {
	XML_Parser			 parser;
	struct s3_xml_callbacks		 cb;
	void				*arg;
	char				*root;		/* root element name */
	struct buf			 path;		/* "Contents/Key" below the root */
	size_t				 lens[S3_XML_MAX_DEPTH];	/* path length per depth */
	int				 depth;		/* 0 outside the root */
	struct buf			 text;		/* text of the open element */
	int				 leaf;		/* no child opened since the last start */
	int				 error;		/* too deep or too long */
};

/* An element opens: extend the path, forget text seen before it. */
static void XMLCALL
s3_xml_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct s3_xml *x = arg;

	if (x->error)
		return;
	if (x->depth >= S3_XML_MAX_DEPTH) {
		x->error = 1;
		XML_StopParser(x->parser, XML_FALSE);
		return;
	}
	if (x->depth == 0) {
		free(x->root);
		x->root = xstrdup(name);
	} else {
		x->lens[x->depth] = x->path.len;
		if (x->path.len > 0)
			buf_addc(&x->path, '/');
		buf_adds(&x->path, name);
	}
	x->depth++;
	x->leaf = 1;
	buf_reset(&x->text);
}

/* An element closes: report a leaf's text, and the end of a record. */
static void XMLCALL
s3_xml_end(void *arg, const XML_Char *name)
{
	struct s3_xml *x = arg;

	if (x->error)
		return;
	x->depth--;
	if (x->depth == 0)
		return;
	if (x->leaf && x->cb.field != NULL)
		x->cb.field(buf_str(&x->path), x->text.len > 0 ? x->text.data : "",
		    x->text.len, x->arg);
	if (!x->leaf && x->cb.close != NULL)
		x->cb.close(buf_str(&x->path), x->arg);
	x->path.len = x->lens[x->depth];
	if (x->path.data != NULL)
		x->path.data[x->path.len] = '\0';
	x->leaf = 0;
	buf_reset(&x->text);
}

/* Character data: kept for the open leaf, bounded. */
static void XMLCALL
s3_xml_chars(void *arg, const XML_Char *s, int len)
{
	struct s3_xml *x = arg;

	if (x->error || !x->leaf)
		return;
	if (x->text.len + (size_t)len > S3_XML_MAX_TEXT) {
		x->error = 1;
		XML_StopParser(x->parser, XML_FALSE);
		return;
	}
	buf_add(&x->text, s, (size_t)len);
}

/* A parser that refuses DTDs' entity tricks by never loading any. */
struct s3_xml *
s3_xml_new(const struct s3_xml_callbacks *cb, void *arg)
{
	struct s3_xml *x;

	x = xcalloc(1, sizeof *x);
	if ((x->parser = XML_ParserCreate("UTF-8")) == NULL)
		fatal("XML_ParserCreate failed");
	x->cb = *cb;
	x->arg = arg;
	buf_init(&x->path);
	buf_init(&x->text);
	buf_adds(&x->path, "");
	XML_SetUserData(x->parser, x);
	XML_SetElementHandler(x->parser, s3_xml_start, s3_xml_end);
	XML_SetCharacterDataHandler(x->parser, s3_xml_chars);
	XML_SetParamEntityParsing(x->parser, XML_PARAM_ENTITY_PARSING_NEVER);
	return (x);
}

/* Bytes as they come from the network. */
int
s3_xml_feed(struct s3_xml *x, const char *p, size_t len, int final, char **cause)
{
	while (len > 0 || final) {
		int n = len > (1 << 20) ? (1 << 20) : (int)len;
		int last = final && (size_t)n == len;

		if (XML_Parse(x->parser, p, n, last) != XML_STATUS_OK || x->error) {
			if (x->error)
				*cause = xstrdup("XML nested too deep or text too long");
			else
				*cause = xprintf("malformed XML at line %lu: %s",
				    (unsigned long)XML_GetCurrentLineNumber(x->parser),
				    XML_ErrorString(XML_GetErrorCode(x->parser)));
			return (-1);
		}
		p += n;
		len -= (size_t)n;
		if (last)
			break;
	}
	return (0);
}

/* Which answer this is. */
const char *
s3_xml_root(const struct s3_xml *x)
{
	return (x->root != NULL ? x->root : "");
}

/* Free the parser and its buffers. */
void
s3_xml_free(struct s3_xml *x)
{
	if (x == NULL)
		return;
	XML_ParserFree(x->parser);
	buf_free(&x->path);
	buf_free(&x->text);
	free(x->root);
	free(x);
}
