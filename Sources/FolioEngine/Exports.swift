// The store's records are part of the engine's API (documents, chunks of answers): front doors name them
// through FolioEngine alone.
@_exported import struct FolioStore.ChunkRecord
@_exported import struct FolioStore.DocumentRecord
