export { startTestApp, type TestApp, type TestAppOptions, type TestResponse, type RequestOptions, type Json } from './test-app';
export { TestItemsImportSource } from '../imports/testing';
export * from './upload';
