print("vmswitch")
