export { HabitatFixtures } from './fixtures';
export { habitatService } from './service';
