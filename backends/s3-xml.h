/*
 * The XML of S3 answers (listings, errors, multipart), parsed by expat as
 * the bytes arrive: a leaf element's text is reported with its path below
 * the root ("Contents/Key"), and the end of each element with children, so a
 * caller builds one record at a time and memory stays bounded.
 */
#ifndef S3_XML_H
#define S3_XML_H

#include <stddef.h>

struct s3_xml;

struct s3_xml_callbacks {
	/* A leaf's text: path below the root, e.g. "Contents/Key". */
	void	(*field)(const char *path, const char *text, size_t len, void *arg);
	/* An element with children ended: "Contents", "Buckets/Bucket". */
	void	(*close)(const char *path, void *arg);
};

struct s3_xml	*s3_xml_new(const struct s3_xml_callbacks *, void *arg);
/* Feed bytes; final = 1 with the last. -1 and *cause on malformed XML. */
int		 s3_xml_feed(struct s3_xml *, const char *, size_t, int final, char **cause);
/* The root element's name ("ListBucketResult", "Error"), or "" before it. */
const char	*s3_xml_root(const struct s3_xml *);
void		 s3_xml_free(struct s3_xml *);

#endif
