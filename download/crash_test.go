package download

const crashChildEnv = "STOWAGE_DOWNLOAD_CRASH_CHILD"

func crashChild() int { return 0 }
