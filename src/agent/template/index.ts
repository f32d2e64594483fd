// A Go text/template engine for the templates Vault Agent users write (consul-template's
// language). It knows nothing of Coffer or HTTP: every value a template fetches comes from a
// function the caller passes to render.

export { parseTemplate, type ParseOptions, type RenderOptions, type Template, type TemplateFunctions } from './template.js';
export { TemplateError } from './errors.js';
export { standardFunctions, type StandardFunctionsOptions } from './functions.js';
