// How every hub route reads its input: zod schemas per part, checked by one validator compiler.
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { FedstackError } from '../../errors.js';
import { parseRequest } from './parse-request.js';

/** How a body schema is read when plain zod parsing is not what the wire format needs. */
interface BodyReading {
  /** Reads the body instead of the schema (which then only documents it), throwing a FedstackError. */
  readonly parse?: (value: unknown) => unknown;
  /** The error a body that does not fit the schema gets, instead of one naming the field. */
  readonly onInvalid?: () => FedstackError;
  /** Unknown fields are let through (AMS clients send more than we read). */
  readonly isLenient?: boolean;
}

const BODY_READINGS = z.registry<BodyReading>();

/**
 * Marks `schema` (a route's body) as read its own way: by `parse`, or by the schema with
 * `onInvalid()` as the error. Returns the schema itself.
 */
export function readBodyAs<S extends z.ZodType>(schema: S, reading: BodyReading): S {
  BODY_READINGS.add(schema, reading);
  return schema;
}

function invalidBody(error: z.ZodError): FedstackError {
  const issue = error.issues[0];
  const name = issue?.path.map(String).join('.') || 'body';
  return new FedstackError('HUB_REQUEST_INVALID', `body parameter ${name}: ${issue?.message ?? 'invalid'}`);
}

function readBody(schema: z.ZodType, value: unknown): unknown {
  const reading = BODY_READINGS.get(schema);
  if (reading?.parse) return reading.parse(value);
  if (!reading?.isLenient && schema instanceof z.ZodObject) return parseRequest(schema, value, 'body');
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw reading?.onInvalid ? reading.onInvalid() : invalidBody(result.error);
}

/**
 * The validator compiler of every hub area. A query goes through {@link parseRequest} (unknown,
 * repeated and prototype-named parameters are refused by name; `key` is always allowed); path
 * parameters through their schema, whose transforms may throw the area's own errors (AMS names);
 * a body through {@link readBodyAs}'s reading or strictly, like a query. What a validator throws
 * on purpose reaches the area's error shape as it was thrown.
 */
export const routeValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  return (data: unknown) => {
    try {
      if (httpPart === 'querystring') return { value: parseRequest(schema as z.ZodObject, data, 'query') };
      if (httpPart === 'body') return { value: readBody(schema, data) };
      const result = schema.safeParse(data);
      if (result.success) return { value: result.data };
      const issue = result.error.issues[0];
      const name = issue?.path.map(String).join('.') || String(httpPart);
      return {
        error: new FedstackError(
          'HUB_REQUEST_INVALID',
          `path parameter ${name}: ${issue?.message ?? 'invalid'}`,
        ),
      };
    } catch (error) {
      if (error instanceof FedstackError) return { error };
      throw error;
    }
  };
};

/**
 * Response schemas document the answer and type the handler's return value; the answer itself is
 * written with `JSON.stringify`, as before schemas were declared (no field is dropped or reordered).
 */
const responseSerializerCompiler = () => (data: unknown) => JSON.stringify(data);

/**
 * Makes `app` (one area's plugin context) read every request body, whatever its content type, as
 * text of at most `bodyLimit` bytes; each route's body schema reads that text.
 */
export function readBodiesAsText(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => done(null, body));
}

/** Installs the compilers in `app` (one area's plugin context). */
export function installRouteSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(routeValidatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);
}
