"""Acknowledgement ledger: «ознакомлен(а)» per guardian, child and week or item, web or paper."""
