export { VimClient, VimFault, VimHttpError, vimErrorModel, Props, type VimConnectOptions, type ServiceContent, type CallOpts } from './client.js'
export { ref, isRef, typed, list, obj, str, moref, type MoRef, type Parsed, type ParsedObject, type XmlObject, type XmlValue } from './xml.js'
