// The in-memory room store against the RoomStore contract.
import { MemoryRoomStore } from '../../server/rooms/memory.js';
import { describeRoomStore } from '../helpers/store-contract.js';

describeRoomStore('MemoryRoomStore', () => new MemoryRoomStore());
