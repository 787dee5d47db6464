export { HabitatFixtures } from './fixtures';
export { catchUp, habitatService } from './service';
