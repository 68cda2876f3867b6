/* pbjson: the standard proto3 JSON mapping, read into any protobuf-c message.
 *
 * Generic: driven by protobuf-c's descriptors, no per-field code. Accepts both
 * the lowerCamelCase JSON name and the original proto field name; enums by
 * name or number; 64-bit integers as numbers or strings; null as "absent".
 * Unknown fields, wrong types, out-of-range numbers and unknown enum names are
 * errors. Built on jansson. */
#ifndef SHIBAO_PBJSON_H
#define SHIBAO_PBJSON_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Parses one JSON object (text, len bytes) into a new message of type desc.
 * On success *out is malloc memory owned by the caller: free with
 * codec_free(). On failure returns -1 and writes "field: reason" into err
 * (nested fields dotted: "inspection.kind: unknown enum value \"X\"");
 * JSON syntax errors read "json: <jansson's message> at column N". */
int pbjson_parse(const ProtobufCMessageDescriptor *desc, const char *text, size_t len,
                 ProtobufCMessage **out, char *err, size_t errlen);

#endif
