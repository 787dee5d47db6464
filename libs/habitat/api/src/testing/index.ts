export { HabitatFixtures } from './fixtures';
