export { ansible } from './ansible.js'
export { ansibleSchema, type AnsibleOptions } from './options.js'
